import { combineSlices, configureStore } from '@reduxjs/toolkit';
import { plenumApi } from '../api/plenumApi.js';
import { authSlice } from '../auth/authSlice.js';
import { chatSlice } from '../features/chat/chatSlice.js';
import { controlSlice } from '../features/control/controlSlice.js';
import { mediaSlice } from '../features/media/mediaSlice.js';
import { moderationSlice } from '../features/moderation/moderationSlice.js';
import { languageSlice } from '../i18n/languageSlice.js';

/** One slice per protocol namespace, plus sign-in, language and the REST cache. */
export const rootReducer = combineSlices(languageSlice, authSlice, plenumApi, controlSlice, chatSlice, moderationSlice, mediaSlice);

export type RootState = ReturnType<typeof rootReducer>;

export function makeStore(preloadedState?: Partial<RootState>) {
  return configureStore({
    reducer: rootReducer,
    preloadedState,
    middleware: (getDefault) => getDefault().concat(plenumApi.middleware),
  });
}

export type AppStore = ReturnType<typeof makeStore>;
export type AppDispatch = AppStore['dispatch'];
