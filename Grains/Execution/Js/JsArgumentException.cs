namespace MyOwnCluster.Execution.Js;

/// <summary>A host function got an argument of the wrong type or range; becomes the function's error value.</summary>
public sealed class JsArgumentException(string message) : Exception(message);
