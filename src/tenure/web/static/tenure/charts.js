// Charts on a page draw once their library (plotly, 4.8 MB, served from the installed package) has loaded. It is
// loaded once per page and only after the page itself has loaded, so the page never waits for it:
// <script src="charts.js" data-library="…/plotly.min.js"></script> in the head, then tenureChart(draw) per chart.
(function () {
  const library = document.currentScript.dataset.library;
  const waiting = [];
  let state = "idle";  // idle → loading → ready

  function drawAll() {
    state = "ready";
    while (waiting.length) {
      const draw = waiting.shift();
      try { draw(); } catch (error) { console.error(error); }  // one broken chart leaves the others drawn
    }
    document.documentElement.dataset.charts = "drawn";
  }

  function load() {
    if (state !== "idle") return;
    state = "loading";
    const script = document.createElement("script");
    script.src = library;
    script.onload = drawAll;
    document.head.appendChild(script);
  }

  window.tenureChart = function (draw) {
    if (state === "ready") { draw(); return; }
    waiting.push(draw);
    if (document.readyState === "complete") load();
    else window.addEventListener("load", load, {once: true});
  };
})();
