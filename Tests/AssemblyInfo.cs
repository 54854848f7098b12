// The platform runs on Linux (KVM, POSIX signals, file modes); so do its tests.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
