// A page that counts its visits in the function's key-value namespace and says who asked.
// moc push js-visits Samples/js/visits.js && moc plug /visits js-visits && curl -k https://localhost:8443/visits
const core = requireApi('core');

function main() {
  const request = core.read_exchange_buffer_headers(core.get_input_buffer_id());
  const previous = core.persistence_get_as_string('visits');
  const visits = previous === null ? 1 : Number(previous) + 1;
  core.persistence_set('visits', String(visits));

  const out = core.get_output_buffer_id();
  core.write_exchange_buffer_header(out, 'content-type', 'application/json');
  core.write_exchange_buffer(out, JSON.stringify({
    visits,
    method: request['x-moc-method'] ?? null,
    path: request['x-moc-url-path'] ?? null,
  }));
  return visits;
}
