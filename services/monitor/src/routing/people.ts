import { z } from 'zod'

export const LanguageSchema = z.enum(['bg', 'en'])
export type Language = z.infer<typeof LanguageSchema>

/** Someone the system may notify. */
export const PersonSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
  name: z.string().min(1),
  phone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'phone must be E.164, e.g. +359888123456').optional(),
  email: z.email().optional(),
  language: LanguageSchema.default('bg')
})
export type Person = z.infer<typeof PersonSchema>
