import { getMetadataStorage } from 'class-validator';

type Storage = ReturnType<typeof getMetadataStorage>;
type Resolved = ReturnType<Storage['getTargetValidationMetadatas']>;

const cached = new WeakSet<Storage>();

/**
 * class-validator resolves a class's rules afresh on every validation, scanning every decorated class of the
 * application for its ancestors (typestack/class-validator#2686): on each request, for the body and for every
 * nested object. The rules of a class are all declared once its module has loaded, so here they are resolved
 * once per class and options; a rule declared later (a class loaded later) drops what was resolved.
 */
export function cacheValidationMetadata(storage: Storage = getMetadataStorage()): void {
  if (cached.has(storage)) return;
  cached.add(storage);
  const resolve = storage.getTargetValidationMetadatas.bind(storage);
  const add = storage.addValidationMetadata.bind(storage);
  let resolved = new WeakMap<object, Map<string, Resolved>>();
  storage.addValidationMetadata = (metadata) => {
    resolved = new WeakMap();
    add(metadata);
  };
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = `${schema}\0${always}\0${strictGroups}\0${(groups ?? []).join('\0')}`;
    let byOptions = resolved.get(target);
    if (byOptions === undefined) {
      byOptions = new Map();
      resolved.set(target, byOptions);
    }
    let metadatas = byOptions.get(key);
    if (metadatas === undefined) {
      metadatas = resolve(target, schema, always, strictGroups, groups);
      byOptions.set(key, metadatas);
    }
    return metadatas;
  };
}
