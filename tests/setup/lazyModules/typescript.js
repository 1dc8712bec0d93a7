module.exports = require("./lazy")(() => require("typescript/lib/typescript.js"));
