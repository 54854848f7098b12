// The smallest JavaScript function: writes a greeting to its output buffer.
// moc push js-hello Samples/js/hello.js && moc call js-hello
const core = requireApi('core');

function main() {
  const out = core.get_output_buffer_id();
  core.write_exchange_buffer_header(out, 'content-type', 'text/plain');
  core.write_exchange_buffer(out, 'Hello from JavaScript');
  return 0;
}
