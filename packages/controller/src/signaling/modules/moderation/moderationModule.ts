import { ModerationCommand, moderationNamespace, type ParticipantId } from '@plenum/protocol';
import { z } from 'zod';
import type { ModuleContext, ModuleInstance, SignalingModule } from '../../module.js';
import { publicParticipant } from '../../participantRecord.js';

/** Orders one moderator's instance sends to another participant's instance. */
const Order = z.object({ type: z.enum(['kick', 'ban', 'accept', 'deny', 'to_waiting_room', 'end_meeting']) });

class ModerationInstance implements ModuleInstance {
  readonly #ctx: ModuleContext;

  constructor(ctx: ModuleContext) {
    this.#ctx = ctx;
  }

  async admission() {
    if (this.#ctx.participant.role === 'moderator') return 'enter' as const;
    return (await this.#waitingRoomEnabled()) ? ('wait' as const) : ('enter' as const);
  }

  async joinData() {
    const waitingRoomEnabled = await this.#waitingRoomEnabled();
    if (this.#ctx.participant.role !== 'moderator') return { waitingRoomEnabled };
    const waiting = (await this.#ctx.participants()).filter((p) => p.state === 'waiting');
    return { waitingRoomEnabled, waitingList: waiting.map(publicParticipant) };
  }

  async onCommand(raw: unknown): Promise<void> {
    const command = ModerationCommand.parse(raw);
    const ctx = this.#ctx;
    if (ctx.participant.role !== 'moderator') return ctx.sendError('insufficient_permissions', 'only moderators may do this');
    switch (command.action) {
      case 'kick':
      case 'ban':
      case 'accept':
      case 'deny':
      case 'send_to_waiting_room': {
        const target = await this.#target(command.target);
        if (!target) return;
        if (command.action === 'ban' || command.action === 'kick' || command.action === 'send_to_waiting_room') {
          if (target.userId !== null && target.userId === ctx.room.ownerId) {
            return ctx.sendError('insufficient_permissions', 'the room owner cannot be removed');
          }
        }
        if (command.action === 'ban' && target.userId !== null) await ctx.runtime.ban(target.userId);
        // A guest has no account to ban: banning one removes them like a kick.
        const type =
          command.action === 'send_to_waiting_room' ? 'to_waiting_room' : command.action === 'ban' && target.userId === null ? 'kick' : command.action;
        return ctx.publishInternal({ to: 'participant', id: target.id }, { type });
      }
      case 'enable_waiting_room':
        await ctx.store.set(ctx.key('waiting_room'), '1');
        return ctx.publishEvent({ to: 'room' }, { message: 'waiting_room_enabled' });
      case 'disable_waiting_room':
        await ctx.store.set(ctx.key('waiting_room'), '0');
        await ctx.publishEvent({ to: 'room' }, { message: 'waiting_room_disabled' });
        // Everybody waiting is let in.
        return ctx.publishInternal({ to: 'room' }, { type: 'accept' });
      case 'end_meeting':
        return ctx.publishInternal({ to: 'room' }, { type: 'end_meeting' });
      case 'request_mute':
        for (const id of new Set(command.targets)) {
          await ctx.publishEvent({ to: 'participant', id }, { message: 'mute_requested', by: ctx.participant.id });
        }
        return;
    }
  }

  async onBrokerMessage(raw: unknown): Promise<void> {
    const order = Order.safeParse(raw);
    if (!order.success) return;
    const ctx = this.#ctx;
    const waiting = ctx.runtime.isWaiting();
    switch (order.data.type) {
      case 'kick':
        ctx.send({ message: 'kicked' });
        return ctx.runtime.disconnect('kicked');
      case 'ban':
        ctx.send({ message: 'banned' });
        return ctx.runtime.disconnect('banned');
      case 'end_meeting':
        ctx.send({ message: 'meeting_ended' });
        return ctx.runtime.disconnect('meeting_ended');
      case 'accept':
        if (waiting) await ctx.runtime.admit();
        return;
      case 'deny':
        if (!waiting) return;
        ctx.send({ message: 'denied' });
        return ctx.runtime.disconnect('denied');
      case 'to_waiting_room':
        if (!waiting && ctx.participant.role !== 'moderator') await ctx.runtime.sendToWaitingRoom();
        return;
    }
  }

  async onWaiting(): Promise<void> {
    const ctx = this.#ctx;
    ctx.send({ message: 'in_waiting_room' });
    const me = (await ctx.participants()).find((p) => p.id === ctx.participant.id);
    if (me) await ctx.publishEvent({ to: 'room', moderatorsOnly: true }, { message: 'joined_waiting_room', participant: publicParticipant(me) });
  }

  async onLeftWaitingRoom(): Promise<void> {
    await this.#ctx.publishEvent({ to: 'room', moderatorsOnly: true }, { message: 'left_waiting_room', id: this.#ctx.participant.id });
  }

  async #target(id: ParticipantId) {
    const target = (await this.#ctx.participants()).find((p) => p.id === id);
    if (!target) this.#ctx.sendError('unknown_participant', 'no such participant in the room');
    return target;
  }

  /** Until a moderator switches it, the room's own setting holds. */
  async #waitingRoomEnabled(): Promise<boolean> {
    const value = await this.#ctx.store.get(this.#ctx.key('waiting_room'));
    return value === undefined ? this.#ctx.settings.waitingRoom : value === '1';
  }
}

/**
 * Moderation: kick, ban (for the life of the room), waiting room, end for all, mute requests.
 * Orders travel through the broker to the target's own instance, wherever it is connected.
 */
export const moderationModule: SignalingModule = {
  namespace: moderationNamespace,
  commandSchema: ModerationCommand,
  async init(ctx) {
    return new ModerationInstance(ctx);
  },
};
