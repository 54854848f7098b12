// Replaced by the real CLI.
Console.WriteLine("moc");
