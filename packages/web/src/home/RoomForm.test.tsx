// @vitest-environment jsdom
import { Room } from '@plenum/protocol';
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithStore } from '../test-support/renderWithStore.js';
import { RoomForm, type RoomFormValues } from './RoomForm.js';

afterEach(cleanup);

const room = Room.parse({
  id: '6b0f2c1e-4a8d-4c3b-9e2f-1a7d5c9b3e40',
  ownerId: '0d5e8f3a-2b71-4c9e-8a6d-5f4e3c2b1a09',
  name: 'Weekly planning',
  hasPassword: true,
  waitingRoom: true,
  videoCodec: 'vp9',
  createdAt: '2026-11-24T09:00:00.000Z',
  updatedAt: '2026-11-24T09:00:00.000Z',
});

function setup(props: { room?: Room; busy?: boolean } = {}) {
  const submitted: RoomFormValues[] = [];
  const onCancel = vi.fn();
  const view = renderWithStore(
    <RoomForm {...(props.room ? { room: props.room } : {})} busy={props.busy ?? false} onSubmit={(values) => submitted.push(values)} onCancel={onCancel} />,
  );
  const field = (label: string) => screen.getByLabelText<HTMLInputElement>(label);
  return { ...view, submitted, onCancel, field };
}

describe('RoomForm', () => {
  it('submits the trimmed name with the chosen settings, then clears name and password', () => {
    const { submitted, field } = setup();
    fireEvent.change(field('Room name'), { target: { value: '   Team sync  ' } });
    fireEvent.change(field('Password (optional)'), { target: { value: ' secret ' } });
    fireEvent.click(field('Waiting room'));
    fireEvent.change(field('Video codec'), { target: { value: 'av1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create room' }));
    // The password is taken as typed: spaces may be part of it.
    expect(submitted).toEqual([{ name: 'Team sync', password: ' secret ', removePassword: false, waitingRoom: true, videoCodec: 'av1' }]);
    expect(field('Room name').value).toBe('');
    expect(field('Password (optional)').value).toBe('');
  });

  it('cannot be submitted with a blank name', () => {
    const { field } = setup();
    fireEvent.change(field('Room name'), { target: { value: '    ' } });
    const button = screen.getByRole<HTMLButtonElement>('button', { name: 'Create room' });
    expect(button.disabled).toBe(true);
  });

  it('is disabled while busy', () => {
    const { field } = setup({ busy: true });
    fireEvent.change(field('Room name'), { target: { value: 'Room' } });
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Create room' }).disabled).toBe(true);
  });

  it('edits a room: starts from its values, keeps them after saving, and can remove its password', () => {
    const { submitted, field } = setup({ room });
    expect(field('Room name').value).toBe('Weekly planning');
    expect(field('Waiting room').checked).toBe(true);
    expect(screen.getByLabelText<HTMLSelectElement>('Video codec').value).toBe('vp9');
    fireEvent.change(field('Room name'), { target: { value: ' Weekly planning (new) ' } });
    fireEvent.click(field('Remove password'));
    expect(field('New password (empty: keep)').disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(submitted).toEqual([{ name: 'Weekly planning (new)', password: '', removePassword: true, waitingRoom: true, videoCodec: 'vp9' }]);
    // The edit form stays as typed (it is closed by its owner after saving).
    expect(field('Room name').value).toBe(' Weekly planning (new) ');
  });

  it('offers to remove a password only when the room has one; Cancel calls back', () => {
    const { onCancel } = setup({ room: { ...room, hasPassword: false } });
    expect(screen.queryByLabelText('Remove password')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onCancel).toHaveBeenCalledOnce();
  });
});
