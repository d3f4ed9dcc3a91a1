// imports.js — what the Wasm engine imports from its host, declared for emcc
// (--js-library) so that the build knows them and still refuses any other undefined
// symbol. The host gives the real functions when it instantiates the module
// (web/engine/engine.js); these bodies are never run.
mergeInto(LibraryManager.library, {
  // The UTC offset in minutes of IANA zone (UTF-8 at zone, len bytes) at the
  // instant utc_ms, or a value beyond ±1440 when the host does not know the zone.
  med_host_zone_offset: function (zone, len, utc_ms) {},
});
