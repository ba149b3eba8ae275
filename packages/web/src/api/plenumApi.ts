import {
  Event,
  Invite,
  InviteVerification,
  Room,
  RoomList,
  type CreateEventBody,
  type CreateRoomBody,
  type PatchRoomBody,
} from '@plenum/protocol';
import { createApi, type BaseQueryFn } from '@reduxjs/toolkit/query/react';
import { z } from 'zod';
import { accessToken } from '../auth/oidc.js';
import { ApiFailure, apiRequest } from './rest.js';

interface QueryArgs {
  path: string;
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  body?: unknown;
  schema?: z.ZodType;
}

export interface QueryError {
  status: number;
  code: string;
  message: string;
}

/** Every query carries the current access token; the response is checked by its schema. */
const baseQuery: BaseQueryFn<QueryArgs, unknown, QueryError> = async (args) => {
  try {
    const data = await apiRequest(args.path, { ...args, token: await accessToken() });
    return { data };
  } catch (error) {
    if (error instanceof ApiFailure) return { error: { status: error.status, code: error.code, message: error.message } };
    return { error: { status: 0, code: 'internal_error', message: String(error) } };
  }
};

const EventList = z.array(Event);

export const plenumApi = createApi({
  reducerPath: 'api',
  baseQuery,
  tagTypes: ['Room', 'Event'],
  // Nothing about rooms stays cached once no screen shows it.
  keepUnusedDataFor: 0,
  endpoints: (build) => ({
    listRooms: build.query<Room[], undefined>({
      query: () => ({ path: '/rooms', schema: RoomList }),
      providesTags: ['Room'],
    }),
    getRoom: build.query<Room, string>({
      query: (roomId) => ({ path: `/rooms/${encodeURIComponent(roomId)}`, schema: Room }),
      providesTags: ['Room'],
    }),
    createRoom: build.mutation<Room, Partial<CreateRoomBody> & Pick<CreateRoomBody, 'name'>>({
      query: (body) => ({ path: '/rooms', method: 'POST', body, schema: Room }),
      invalidatesTags: ['Room'],
    }),
    patchRoom: build.mutation<Room, { roomId: string; body: PatchRoomBody }>({
      query: ({ roomId, body }) => ({ path: `/rooms/${encodeURIComponent(roomId)}`, method: 'PATCH', body, schema: Room }),
      invalidatesTags: ['Room'],
    }),
    deleteRoom: build.mutation<undefined, string>({
      query: (roomId) => ({ path: `/rooms/${encodeURIComponent(roomId)}`, method: 'DELETE' }),
      invalidatesTags: ['Room', 'Event'],
    }),
    createInvite: build.mutation<Invite, string>({
      query: (roomId) => ({ path: `/rooms/${encodeURIComponent(roomId)}/invites`, method: 'POST', body: {}, schema: Invite }),
    }),
    verifyInvite: build.query<InviteVerification, string>({
      query: (code) => ({ path: `/invites/${encodeURIComponent(code)}`, schema: InviteVerification }),
    }),
    listEvents: build.query<Event[], undefined>({
      query: () => ({ path: '/events', schema: EventList }),
      providesTags: ['Event'],
    }),
    createEvent: build.mutation<Event, Partial<CreateEventBody> & Omit<CreateEventBody, 'description' | 'invitees'>>({
      query: (body) => ({ path: '/events', method: 'POST', body, schema: Event }),
      invalidatesTags: ['Event', 'Room'],
    }),
  }),
});

export const {
  useListRoomsQuery,
  useGetRoomQuery,
  useCreateRoomMutation,
  usePatchRoomMutation,
  useDeleteRoomMutation,
  useCreateInviteMutation,
  useVerifyInviteQuery,
  useListEventsQuery,
  useCreateEventMutation,
} = plenumApi;
