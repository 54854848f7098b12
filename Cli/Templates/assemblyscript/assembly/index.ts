// __NAME__: answers "Hello, <input>!" as text/plain, on the founding `my-own-cluster` guest API.

@external("my-own-cluster", "get_input_buffer_id") declare function get_input_buffer_id(): u32;
@external("my-own-cluster", "get_output_buffer_id") declare function get_output_buffer_id(): u32;
@external("my-own-cluster", "get_buffer_size") declare function get_buffer_size(id: u32): u32;
@external("my-own-cluster", "get_buffer") declare function get_buffer(id: u32, dest: usize, len: u32): u32;
@external("my-own-cluster", "write_buffer") declare function write_buffer(id: u32, bytes: usize, len: u32): u32;
@external("my-own-cluster", "write_buffer_header")
declare function write_buffer_header(id: u32, name: usize, nameLen: u32, value: usize, valueLen: u32): u32;

function write(id: u32, text: string): void {
  const bytes = String.UTF8.encode(text);
  write_buffer(id, changetype<usize>(bytes), bytes.byteLength);
}

export function _start(): i32 {
  const input = get_input_buffer_id();
  const size = get_buffer_size(input);
  if (size == u32.MAX_VALUE) return 1;
  const name = new ArrayBuffer(size);
  get_buffer(input, changetype<usize>(name), size);

  const out = get_output_buffer_id();
  const header = String.UTF8.encode("content-type");
  const value = String.UTF8.encode("text/plain; charset=utf-8");
  write_buffer_header(out, changetype<usize>(header), header.byteLength, changetype<usize>(value), value.byteLength);
  write(out, "Hello, " + (size == 0 ? "world" : String.UTF8.decode(name)) + "!");
  return 0;
}
