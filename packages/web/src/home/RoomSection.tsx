import type { PatchRoomBody, Room } from '@plenum/protocol';
import { useState } from 'react';
import {
  useCreateInviteMutation,
  useCreateRoomMutation,
  useDeleteRoomMutation,
  useListRoomsQuery,
  usePatchRoomMutation,
} from '../api/plenumApi.js';
import { invitePath, navigate, roomPath } from '../app/router.js';
import { useT } from '../i18n/useT.js';
import { RoomForm, type RoomFormValues } from './RoomForm.js';

export function RoomSection() {
  const t = useT();
  const rooms = useListRoomsQuery(undefined);
  const [createRoom, creating] = useCreateRoomMutation();
  const [message, setMessage] = useState<string | null>(null);

  const create = (values: RoomFormValues) => {
    createRoom({
      name: values.name,
      waitingRoom: values.waitingRoom,
      videoCodec: values.videoCodec,
      ...(values.password ? { password: values.password } : {}),
    })
      .unwrap()
      .then(() => setMessage(null))
      .catch((error: unknown) => setMessage(errorMessage(error)));
  };

  return (
    <section aria-labelledby="rooms-heading">
      <h2 id="rooms-heading">{t('myRooms')}</h2>
      {rooms.isLoading && <p>{t('loading')}</p>}
      {rooms.data?.length === 0 && <p>{t('noRooms')}</p>}
      <ul className="room-list">
        {rooms.data?.map((room) => <RoomItem key={room.id} room={room} onMessage={setMessage} />)}
      </ul>
      {message !== null && (
        <p className="notice" role="status">
          {message}
        </p>
      )}
      <h3>{t('createRoom')}</h3>
      <RoomForm busy={creating.isLoading} onSubmit={create} />
    </section>
  );
}

function RoomItem({ room, onMessage }: { room: Room; onMessage: (text: string) => void }) {
  const t = useT();
  const [editing, setEditing] = useState(false);
  const [patchRoom, patching] = usePatchRoomMutation();
  const [deleteRoom] = useDeleteRoomMutation();
  const [createInvite] = useCreateInviteMutation();

  const save = (values: RoomFormValues) => {
    const body: PatchRoomBody = { name: values.name, waitingRoom: values.waitingRoom, videoCodec: values.videoCodec };
    if (values.removePassword) body.password = null;
    else if (values.password) body.password = values.password;
    patchRoom({ roomId: room.id, body })
      .unwrap()
      .then(() => setEditing(false))
      .catch((error: unknown) => onMessage(errorMessage(error)));
  };

  const copyInvite = async () => {
    try {
      const invite = await createInvite(room.id).unwrap();
      const link = `${window.location.origin}${invitePath(invite.code)}`;
      try {
        await navigator.clipboard.writeText(link);
        onMessage(t('inviteCopied', { link }));
      } catch {
        onMessage(t('inviteCreated', { link }));
      }
    } catch (error) {
      onMessage(errorMessage(error));
    }
  };

  const remove = () => {
    if (!window.confirm(t('confirmDelete', { name: room.name }))) return;
    deleteRoom(room.id)
      .unwrap()
      .catch((error: unknown) => onMessage(errorMessage(error)));
  };

  if (editing) {
    return (
      <li className="room-item">
        <RoomForm room={room} busy={patching.isLoading} onSubmit={save} onCancel={() => setEditing(false)} />
      </li>
    );
  }
  return (
    <li className="room-item" data-room={room.id}>
      <span className="room-name">{room.name}</span>
      <span className="room-tags">
        {room.videoCodec.toUpperCase()}
        {room.hasPassword && ` · ${t('hasPassword')}`}
        {room.waitingRoom && ` · ${t('waitingRoom')}`}
      </span>
      <span className="room-actions">
        <button type="button" className="primary" onClick={() => navigate(roomPath(room.id))}>
          {t('enterRoom')}
        </button>
        <button type="button" onClick={() => void copyInvite()}>
          {t('copyInvite')}
        </button>
        <button type="button" onClick={() => setEditing(true)} aria-label={`${t('edit')}: ${room.name}`}>
          {t('edit')}
        </button>
        <button type="button" className="danger" onClick={remove} aria-label={`${t('delete')}: ${room.name}`}>
          {t('delete')}
        </button>
      </span>
    </li>
  );
}

export function errorMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') return error.message;
  return String(error);
}
