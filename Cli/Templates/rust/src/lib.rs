//! __NAME__: answers "Hello, <input>!" as text/plain, on the founding `my-own-cluster` guest API.

#[link(wasm_import_module = "my-own-cluster")]
extern "C" {
    fn get_input_buffer_id() -> u32;
    fn get_output_buffer_id() -> u32;
    fn get_buffer_size(id: u32) -> u32;
    fn get_buffer(id: u32, dest: *mut u8, len: u32) -> u32;
    fn write_buffer(id: u32, bytes: *const u8, len: u32) -> u32;
    fn write_buffer_header(id: u32, name: *const u8, name_len: u32, value: *const u8, value_len: u32) -> u32;
    fn print_debug(text: *const u8, len: u32) -> u32;
}

fn write(id: u32, bytes: &[u8]) {
    unsafe { write_buffer(id, bytes.as_ptr(), bytes.len() as u32) };
}

#[no_mangle]
pub extern "C" fn _start() -> i32 {
    unsafe {
        let input = get_input_buffer_id();
        let size = get_buffer_size(input);
        if size == u32::MAX {
            return 1;
        }
        let mut name = vec![0u8; size as usize];
        get_buffer(input, name.as_mut_ptr(), size);

        let out = get_output_buffer_id();
        let (header, value) = (b"content-type", b"text/plain; charset=utf-8");
        write_buffer_header(out, header.as_ptr(), header.len() as u32, value.as_ptr(), value.len() as u32);
        write(out, b"Hello, ");
        write(out, if name.is_empty() { b"world" } else { &name });
        write(out, b"!");
        let log = b"__NAME__ answered";
        print_debug(log.as_ptr(), log.len() as u32);
    }
    0
}
