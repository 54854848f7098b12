using BenchmarkDotNet.Running;

// Micro-benchmarks of the platform against their floor; results land in BenchmarkDotNet.Artifacts/results.
BenchmarkSwitcher.FromAssembly(typeof(MyOwnCluster.Bench.InvocationBenchmarks).Assembly).Run(args);
