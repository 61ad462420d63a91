// Temporary: src/features/security/ still imports this path until it is converted (issue #15, notices).
export * from '../notices/wasnt-me.js';
