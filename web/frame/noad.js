// noad.js — the passback for a network that serves its ads through nested frames
// (docs/runtime.md §5). Loaded in a frame of any depth and origin inside a tag frame
// (or as dist/noad.html, which inlines it), it tells every enclosing window that there
// is no ad; the tag frame that contains it (web/frame/boot.js) ends its attempt as
// no_fill. Other windows ignore the message.
(function () {
  if (window.mediation && typeof window.mediation.noad === 'function') return window.mediation.noad();
  var w = window;
  for (var i = 0; i < 64 && w !== w.parent; i++) {
    w = w.parent;
    try {
      w.postMessage('mediation:noad', '*');
    } catch (e) {
      /* a window that went away */
    }
  }
})();
