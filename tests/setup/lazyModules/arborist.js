module.exports = require("./lazy")("@npmcli/arborist/lib/index.js", { esModule: true });
