#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, which the project depends on at run time.
import { register } from 'tsx/esm/api'
register()
await import('../src/cli.ts')
