#!/usr/bin/env node
// The `conveyor` command: runs the compiled CLI (npm run build, done by `npm install`/`npm ci`).
import '../dist/cli/main.js';
