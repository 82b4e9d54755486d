/** A 4xx with the stable `code` and `field` among the fields named in `details`. */
export function expectInvalid(
  response: { status: number; body: { code: string; details: { field: string }[] } },
  field: string,
  code = 'validation_failed',
  status = 400,
): void {
  expect(response.status).toBe(status);
  expect(response.body.code).toBe(code);
  expect(response.body.details.map((d) => d.field)).toContain(field);
}
