// A filter: the input buffer (request body), upper-cased, becomes the output buffer (response body).
// moc push js-uppercase Samples/js/uppercase.js && moc call js-uppercase --input 'make me loud'
const core = requireApi('core');

function main() {
  const text = core.read_exchange_buffer_as_string(core.get_input_buffer_id());
  if (text === null) {
    core.write_exchange_buffer_status_code(core.get_output_buffer_id(), 400);
    return -1;
  }

  core.write_exchange_buffer(core.get_output_buffer_id(), text.toUpperCase());
  return text.length;
}
