/* wasi-libc has no setjmp/longjmp (WebAssembly cannot unwind the stack without the exception-handling proposal):
   setjmp returns 0, its first return, and longjmp ends the program with a message (scripts/coreutils/build.sh).
   GNU coreutils jumps only on errors, such as a failed strcoll in ls. */
#ifndef MOC_SETJMP_H
#define MOC_SETJMP_H

typedef int jmp_buf[1];
typedef int sigjmp_buf[1];

int setjmp(jmp_buf);
_Noreturn void longjmp(jmp_buf, int);
#define sigsetjmp(buffer, save_mask) setjmp(buffer)
#define siglongjmp longjmp

#endif
