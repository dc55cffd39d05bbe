// sucrase ships its ES modules without type declarations beside them; these point the deep
// imports at the declarations it does ship. We import the ESM build (not `sucrase`'s CommonJS
// main) so that bundlers put one copy of its parser in the worker for both uses.
declare module 'sucrase/dist/esm/index.js' {
  export * from 'sucrase';
}
declare module 'sucrase/dist/esm/parser/index.js' {
  export * from 'sucrase/dist/types/parser/index';
}
declare module 'sucrase/dist/esm/parser/tokenizer/types.js' {
  export * from 'sucrase/dist/types/parser/tokenizer/types';
}
declare module 'sucrase/dist/esm/parser/tokenizer/keywords.js' {
  export * from 'sucrase/dist/types/parser/tokenizer/keywords';
}
