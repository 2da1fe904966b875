import type { FastifyError, FastifyInstance } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { z } from 'zod'

export const ErrorSchema = z.object({ error: z.string(), message: z.string(), details: z.array(z.string()).optional() })

/**
 * One error handler for the whole API: validation problems are listed for
 * the client; a 5xx is logged with its cause and answered without details.
 */
export function installErrorHandler (app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      return reply.code(400).send({
        error: 'bad_request',
        message: `invalid ${error.validationContext ?? 'request'}`,
        details: error.validation.map(v => `${v.instancePath || '/'}: ${v.message ?? 'invalid'}`)
      })
    }
    const status = error.statusCode ?? 500
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed')
      return reply.code(status).send({ error: 'internal_error', message: 'the request could not be completed' })
    }
    return reply.code(status).send({ error: error.code ?? 'error', message: error.message })
  })
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url}` }))
}
