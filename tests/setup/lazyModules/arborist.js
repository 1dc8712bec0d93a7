module.exports = require("./lazy")(() => require("@npmcli/arborist/lib/index.js"), {
  esModule: true,
});
