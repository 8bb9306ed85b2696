// kubernetes-models and @kubernetes-models/* ship ES modules whose package.json `exports` offer
// only an `import` condition: Node resolves them, Jest's resolver (asking for `require`) finds
// nothing. For those packages alone, resolve as an import; jest.config.js compiles the files to
// CommonJS like its other ES-only packages.
const ESM_IMPORT_ONLY = /^(kubernetes-models|@kubernetes-models\/)/;

module.exports = (request, options) =>
  options.defaultResolver(
    request,
    ESM_IMPORT_ONLY.test(request) ? { ...options, conditions: ['import', 'node', 'default'] } : options,
  );
