export * from './ids.js';
export * from './errors.js';
export * from './rest/common.js';
export * from './rest/users.js';
export * from './rest/rooms.js';
export * from './rest/invites.js';
export * from './rest/start.js';
export * from './rest/events.js';
