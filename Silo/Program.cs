// Replaced by the real host in the next commit.
Console.WriteLine("MyOwnCluster silo");
