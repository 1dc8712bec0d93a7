module.exports = require("./lazy")("typescript/lib/typescript.js");
