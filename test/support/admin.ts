/** The admin key every test app and bench service is started with, and the header that carries it. */
export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';
export const AUTH = { Authorization: `Bearer ${ADMIN_KEY}` };
