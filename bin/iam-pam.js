#!/usr/bin/env node
// Runs the compiled CLI (npm run build). During development: npx tsx src/main.ts.
import '../dist/main.js';
