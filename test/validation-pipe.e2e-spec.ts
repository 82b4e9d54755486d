import { ValidationPipe } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsString, ValidateNested } from 'class-validator';
import { createValidationPipe } from '../src/common/validation/validation-pipe';

class Item {
  @IsString() name!: string;
}

class Body {
  @ValidateNested({ each: true })
  @Type(() => Item)
  items!: Item[];

  @IsInt() count!: number;
}

describe('the validation pipe (e2e: Nest is ESM, which the unit run cannot load)', () => {
  const pipe = createValidationPipe();
  const asBody = { type: 'body', metatype: Body } as const;

  afterEach(() => jest.restoreAllMocks());

  it("leaves out Nest's own walks for built-in names and list gaps when its own found neither", async () => {
    const strip = jest.spyOn(ValidationPipe.prototype as any, 'stripProtoKeys');
    const close = jest.spyOn(ValidationPipe.prototype as any, 'closeArrayGaps');
    const body = await pipe.transform({ items: [{ name: 'a' }, { name: 'b' }], count: 2 }, asBody);
    expect(body).toBeInstanceOf(Body);
    expect((body as Body).items.map((item) => item.name)).toEqual(['a', 'b']);
    expect(strip).not.toHaveBeenCalled();
    expect(close).not.toHaveBeenCalled();
  });

  it('closes the gaps of a list that has them, as Nest does', async () => {
    const close = jest.spyOn(ValidationPipe.prototype as any, 'closeArrayGaps');
    // eslint-disable-next-line no-sparse-arrays
    const items = [, { name: 'a' }, , { name: 'b' }];
    const body = await pipe.transform({ items, count: 2 }, asBody);
    expect(close).toHaveBeenCalledTimes(1);
    expect((body as Body).items.map((item) => item.name)).toEqual(['a', 'b']);
  });

  it('leaves Nest its walks of what it walked not itself (a parameter)', async () => {
    const strip = jest.spyOn(ValidationPipe.prototype as any, 'stripProtoKeys');
    const close = jest.spyOn(ValidationPipe.prototype as any, 'closeArrayGaps');
    await pipe.transform({ items: [], count: 1 }, { type: 'param', metatype: Body });
    expect(strip).toHaveBeenCalledTimes(1);
    expect(close).toHaveBeenCalledTimes(1);
  });
});
