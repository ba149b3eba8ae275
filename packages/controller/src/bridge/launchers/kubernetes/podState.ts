import { z } from 'zod';

/**
 * The few fields of a Pod the launcher reads, checked where they come from the API server
 * (list answers and watch events).
 */
export const observedPodSchema = z.object({
  metadata: z.object({ name: z.string(), deletionTimestamp: z.unknown().optional() }),
  status: z
    .object({
      phase: z.string().optional(),
      podIP: z.string().optional(),
      hostIP: z.string().optional(),
      conditions: z.array(z.object({ type: z.string(), status: z.string(), reason: z.string().optional(), message: z.string().optional() })).optional(),
      containerStatuses: z
        .array(
          z.object({
            state: z
              .object({
                waiting: z.object({ reason: z.string().optional(), message: z.string().optional() }).optional(),
                terminated: z.object({ exitCode: z.number().int(), reason: z.string().optional(), message: z.string().optional() }).optional(),
              })
              .optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});

export type ObservedPod = z.infer<typeof observedPodSchema>;

/** What a Pod's status means for its bridge. */
export type PodState =
  | { kind: 'pending'; detail: string }
  | { kind: 'ready'; podIP: string; hostIP: string }
  /** It will not start: a bad image, a missing Secret key. */
  | { kind: 'unstartable'; detail: string }
  /** It ran and stopped, or is being deleted, or is gone. */
  | { kind: 'ended'; exitCode: number | null; detail: string };

/** Waiting reasons that do not go away by waiting. */
const unstartable = new Set(['InvalidImageName', 'ErrImageNeverPull', 'ImagePullBackOff', 'CreateContainerConfigError', 'CreateContainerError']);

/** `undefined` is a Pod that no longer exists. */
export function podState(pod: ObservedPod | undefined): PodState {
  if (!pod) return { kind: 'ended', exitCode: null, detail: 'the pod was deleted' };
  if (pod.metadata.deletionTimestamp) return { kind: 'ended', exitCode: null, detail: 'the pod is being deleted' };
  const status = pod.status ?? {};
  const container = status.containerStatuses?.[0]?.state;
  if (status.phase === 'Failed' || status.phase === 'Succeeded') {
    const terminated = container?.terminated;
    const why = [terminated?.reason, terminated?.message?.trim()].filter(Boolean).join(': ');
    return { kind: 'ended', exitCode: terminated?.exitCode ?? null, detail: `janus ended (pod ${status.phase}${why ? `, ${why}` : ''})` };
  }
  const waiting = container?.waiting;
  if (waiting?.reason && unstartable.has(waiting.reason)) {
    return { kind: 'unstartable', detail: `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}` };
  }
  const ready = status.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True');
  if (status.phase === 'Running' && ready && status.podIP && status.hostIP) return { kind: 'ready', podIP: status.podIP, hostIP: status.hostIP };
  const unscheduled = status.conditions?.find((condition) => condition.type === 'PodScheduled' && condition.status === 'False');
  const detail = waiting?.reason ?? (unscheduled ? `${unscheduled.reason ?? 'not scheduled'}: ${unscheduled.message ?? ''}` : `phase ${status.phase ?? 'unknown'}`);
  return { kind: 'pending', detail };
}
