/*
 * Imported first, by the bundle's launcher and by main: before anything else loads, an older Node is told what
 * to install. Past this point it fails in ways that do not say so: a TypeError while the bundle's packages load
 * (undici, on Node 20), or a segmentation fault in a native module built for 24.
 */
const SUPPORTED_NODE_MAJOR = 24;

if (Number(process.versions.node.split('.')[0]) < SUPPORTED_NODE_MAJOR) {
  process.stderr.write(
    `This service needs Node.js ${SUPPORTED_NODE_MAJOR} or newer; this is v${process.versions.node}. ` +
      'Install Node.js 24 (see README), then run npm ci again.\n',
  );
  process.exit(1);
}
