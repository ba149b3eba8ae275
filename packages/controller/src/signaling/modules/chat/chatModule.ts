import { ChatCommand, ChatMessage, chatHistoryLength, chatNamespace, type ParticipantId } from '@plenum/protocol';
import { randomUUID } from 'node:crypto';
import type { ModuleContext, ModuleInstance, SignalingModule } from '../../module.js';

/** Private conversations a participant gets back on rejoining, per participant. */
const privateHistoryLength = 100;

function parseMessages(values: string[]): ChatMessage[] {
  return values.flatMap((value) => {
    const parsed = ChatMessage.safeParse(JSON.parse(value));
    return parsed.success ? [parsed.data] : [];
  });
}

class ChatInstance implements ModuleInstance {
  readonly #ctx: ModuleContext;

  constructor(ctx: ModuleContext) {
    this.#ctx = ctx;
  }

  async joinData() {
    const [room, mine] = await Promise.all([
      this.#ctx.store.listAll(this.#ctx.key('history')),
      this.#ctx.store.listAll(this.#ctx.key(`private:${this.#ctx.participant.id}`)),
    ]);
    const history = [...parseMessages(room), ...parseMessages(mine)].sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    return { enabled: await this.#enabled(), history };
  }

  async onCommand(raw: unknown): Promise<void> {
    const command = ChatCommand.parse(raw);
    const ctx = this.#ctx;
    const isModerator = ctx.participant.role === 'moderator';
    switch (command.action) {
      case 'send_message': {
        if (!isModerator && !(await this.#enabled())) return ctx.sendError('chat_disabled', 'the chat is disabled');
        const message: ChatMessage = {
          id: randomUUID(),
          source: ctx.participant.id,
          target: command.target ?? null,
          content: command.content,
          timestamp: new Date().toISOString(),
        };
        if (command.target) return this.#sendPrivate(message, command.target);
        await ctx.store.listPush(ctx.key('history'), JSON.stringify(message), chatHistoryLength);
        return ctx.publishEvent({ to: 'room' }, { message: 'message_sent', chatMessage: message });
      }
      case 'enable_chat':
      case 'disable_chat':
      case 'clear_history': {
        if (!isModerator) return ctx.sendError('insufficient_permissions', 'only moderators may do this');
        if (command.action === 'clear_history') {
          await ctx.store.delete(ctx.key('history'));
          await ctx.store.deleteByPrefix(ctx.key('private:'));
          return ctx.publishEvent({ to: 'room' }, { message: 'history_cleared', by: ctx.participant.id });
        }
        if (command.action === 'disable_chat') await ctx.store.set(ctx.key('disabled'), '1');
        else await ctx.store.delete(ctx.key('disabled'));
        return ctx.publishEvent(
          { to: 'room' },
          { message: command.action === 'disable_chat' ? 'chat_disabled' : 'chat_enabled', by: ctx.participant.id },
        );
      }
    }
  }

  async #sendPrivate(message: ChatMessage, target: ParticipantId): Promise<void> {
    const ctx = this.#ctx;
    const recipient = (await ctx.participants()).find((p) => p.id === target && p.state !== 'waiting');
    if (!recipient) return ctx.sendError('unknown_participant', 'no such participant in the room');
    const value = JSON.stringify(message);
    await ctx.store.listPush(ctx.key(`private:${ctx.participant.id}`), value, privateHistoryLength);
    if (target !== ctx.participant.id) await ctx.store.listPush(ctx.key(`private:${target}`), value, privateHistoryLength);
    await ctx.publishEvent({ to: 'participant', id: target }, { message: 'message_sent', chatMessage: message });
    if (target !== ctx.participant.id) ctx.send({ message: 'message_sent', chatMessage: message });
  }

  async #enabled(): Promise<boolean> {
    return (await this.#ctx.store.get(this.#ctx.key('disabled'))) === undefined;
  }
}

/**
 * Room chat and private messages. Messages live in the volatile store only, for the life of
 * the room (the room's keys are removed when the last participant leaves).
 */
export const chatModule: SignalingModule = {
  namespace: chatNamespace,
  commandSchema: ChatCommand,
  async init(ctx) {
    return new ChatInstance(ctx);
  },
};
