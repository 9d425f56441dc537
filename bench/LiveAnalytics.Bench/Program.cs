using LiveAnalytics.Bench;

// Benchmarks; bench/ingest.sh and bench/live.sh start the services and the app, then run this. See bench/README.md.
// First argument: "ingest" (default), "live" or "history"; then --name value options.
var arg = (string name, string fallback) => args.SkipWhile(a => a != $"--{name}").Skip(1).FirstOrDefault() ?? fallback;
if (args.FirstOrDefault() == "live") await LiveBench.RunAsync(arg);
else if (args.FirstOrDefault() == "history") await HistoryBench.RunAsync(arg);
else await IngestBench.RunAsync(arg);
