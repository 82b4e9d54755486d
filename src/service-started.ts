/**
 * Emitted on `process` once the service listens: the bundle's launcher takes V8's code cache then (see
 * bundle-launcher.ts), when every function the start ran is compiled.
 */
export const SERVICE_STARTED = 'booking:service-started';

export function announceStarted(): void {
  (process as NodeJS.EventEmitter).emit(SERVICE_STARTED);
}
