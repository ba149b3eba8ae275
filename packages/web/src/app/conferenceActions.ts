import { createAction } from '@reduxjs/toolkit';

/** Leaving (or being removed from) a room drops everything the room's slices held. */
export const conferenceReset = createAction('conference/reset');
