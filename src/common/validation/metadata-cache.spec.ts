import { getMetadataStorage, IsInt, IsString, MetadataStorage, validateSync } from 'class-validator';
import { cacheValidationMetadata } from './metadata-cache';

describe('cacheValidationMetadata', () => {
  class Base {
    @IsString()
    name!: unknown;
  }
  class Child extends Base {
    @IsInt({ groups: ['strict'] })
    count!: unknown;
  }

  it('resolves a class and its ancestors once, and answers the same rules after', () => {
    const storage = new MetadataStorage();
    const real = storage.getTargetValidationMetadatas.bind(storage);
    let scans = 0;
    storage.getTargetValidationMetadatas = (...args) => {
      scans += 1;
      return real(...args);
    };
    // The rules the decorators declared (in the global storage), copied into this one.
    for (const metadata of globalRules(Child)) storage.addValidationMetadata(metadata);
    cacheValidationMetadata(storage);
    const first = storage.getTargetValidationMetadatas(Child, '', false, false);
    const again = storage.getTargetValidationMetadatas(Child, '', false, false);
    expect(again).toBe(first);
    expect(scans).toBe(1);
    expect(first.map((rule) => rule.propertyName).sort()).toEqual(['count', 'name']);
    // Other options are resolved on their own: with a group, only its rules.
    const grouped = storage.getTargetValidationMetadatas(Child, '', false, false, ['strict']);
    expect(grouped.map((rule) => rule.propertyName)).toEqual(['count']);
    expect(scans).toBe(2);
  });

  it('drops what was resolved when a rule is declared later', () => {
    const storage = new MetadataStorage();
    const [rule] = globalRules(Base);
    cacheValidationMetadata(storage);
    expect(storage.getTargetValidationMetadatas(Base, '', false, false)).toEqual([]);
    storage.addValidationMetadata(rule);
    expect(storage.getTargetValidationMetadatas(Base, '', false, false)).toEqual([rule]);
  });

  it('leaves validation as it was (the global storage, cached)', () => {
    cacheValidationMetadata();
    const child = Object.assign(new Child(), { name: 1, count: 'x' });
    expect(validateSync(child).map((error) => error.property)).toEqual(['count', 'name']);
    expect(validateSync(child, { groups: ['strict'] }).map((error) => error.property)).toEqual(['count']);
    expect(validateSync(Object.assign(new Child(), { name: 'a', count: 2 }))).toEqual([]);
  });
});

/** The rules decorators declared for `target` and its ancestors, read from class-validator's global storage. */
function globalRules(target: new () => object) {
  return getMetadataStorage().getTargetValidationMetadatas(target, '', true, false);
}
