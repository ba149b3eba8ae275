import { z } from 'zod';

/** What the web client needs before sign-in: where and as whom to sign in. Public. */
export const ClientConfig = z
  .object({
    oidc: z.object({
      issuer: z.url(),
      clientId: z.string().min(1),
      scope: z.string().min(1),
    }),
    /** Camera capture the operator asks for; browsers get close to it. */
    video: z.object({
      width: z.number().int().min(160).max(3840),
      height: z.number().int().min(120).max(2160),
      frameRate: z.number().int().min(5).max(60),
    }),
  })
  .meta({ id: 'ClientConfig' });
export type ClientConfig = z.infer<typeof ClientConfig>;
