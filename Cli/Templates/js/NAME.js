// __NAME__: answers "Hello, <input>!" as text/plain. JavaScript functions are pushed as source: no build step.
const core = requireApi('core');

function main() {
  const input = core.read_exchange_buffer_as_string(core.get_input_buffer_id());
  const out = core.get_output_buffer_id();
  core.write_exchange_buffer_header(out, 'content-type', 'text/plain; charset=utf-8');
  core.write_exchange_buffer(out, `Hello, ${input || 'world'}!`);
  core.print_debug('__NAME__ answered');
  return 0;
}
