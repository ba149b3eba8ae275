import { createSlice, type PayloadAction } from '@reduxjs/toolkit';

export interface AuthState {
  status: 'unknown' | 'signedOut' | 'signedIn';
  /** Only what the screen shows: my name. */
  name: string | null;
  error: string | null;
}

const initialState: AuthState = { status: 'unknown', name: null, error: null };

export const authSlice = createSlice({
  name: 'auth',
  initialState,
  reducers: {
    signedIn(state, action: PayloadAction<{ name: string }>) {
      state.status = 'signedIn';
      state.name = action.payload.name;
      state.error = null;
    },
    signedOut(state, action: PayloadAction<{ error?: string } | undefined>) {
      state.status = 'signedOut';
      state.name = null;
      state.error = action.payload?.error ?? null;
    },
  },
  selectors: {
    selectAuthStatus: (state) => state.status,
    selectMyName: (state) => state.name,
    selectAuthError: (state) => state.error,
  },
});

export const { signedIn, signedOut } = authSlice.actions;
export const { selectAuthStatus, selectMyName, selectAuthError } = authSlice.selectors;
