// Native differential-test runner: executes x86-64 snippets on the host CPU.
// Build: gcc -O2 -o test/native/build/runner test/native/runner.c
//
// stdin, per case (little-endian):  u32 codeLen; u8 code[codeLen]; u64 gpr[16];
//   u64 rflags; u8 fxsave[512]; u8 data[65536]
// stdout, per case: u32 status; u64 faultAddr; u64 gpr[16]; u64 rflags;
//   u8 fxsave[512]; u8 data[65536]
// status: 0 = completed, else the signal number (SIGVTALRM = watchdog timeout,
// SIGSYS = the snippet made a system call; seccomp stops it before it runs).
//
// With argument -c (compact mode, used by native.ts) the data area travels as
// 1 KiB blocks: input `u64 mask; u8 block[popcount][1024]` lists the non-zero
// blocks (others are zero); output `u64 mask; u8 block[popcount][1024]` lists
// the blocks whose final content differs from the input.
//
// The snippet runs at CODE_VA with every GPR, RFLAGS (CF PF AF ZF SF DF OF)
// and the FXSAVE image loaded; a trampoline after it jumps (absolute, no
// registers used) to an epilogue that saves the state into globals.
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE_VA 0x20000000UL
#define CODE_SIZE 0x2000UL
#define MAX_CODE 4096
#define DATA_VA 0x10000000UL
#define DATA_SIZE 0x10000UL
#define TRAMP_LEN 6
#define EPI_SLOT (CODE_SIZE - 8) /* offset of the epilogue address */
#define FLAGS_IN 0xCD5ULL /* CF PF AF ZF SF DF OF */
#define WATCHDOG_US 100000
#define BLK 1024
#define NBLK (DATA_SIZE / BLK)

// State shared with the asm below (RIP-relative, so usable with any GPRs).
__attribute__((used)) uint64_t in_gpr[16], in_rflags, out_gpr[16], out_rflags;
__attribute__((used, aligned(64))) uint8_t in_fx[512], out_fx[512], host_fx[512];
__attribute__((used)) uint64_t host_rsp, code_target = CODE_VA;
__attribute__((used)) uint64_t host_fs_base, host_gs_base;
__attribute__((used)) uint16_t host_fs_sel, host_gs_sel;
__attribute__((used)) uint8_t have_fsgsbase;

void run_snippet(void);
void snippet_epilogue(void);
void restore_host(void);

__asm__(
    ".text\n"
    // run_snippet: save host context, load guest state, jump to CODE_VA.
    ".globl run_snippet\n"
    "run_snippet:\n"
    "  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
    "  mov %rsp, host_rsp(%rip)\n"
    "  movw %fs, host_fs_sel(%rip)\n"
    "  movw %gs, host_gs_sel(%rip)\n"
    "  fxsave64 host_fx(%rip)\n"
    "  fxrstor64 in_fx(%rip)\n"
    "  lea in_rflags(%rip), %rsp\n"
    "  popfq\n"
    "  mov in_gpr+0(%rip), %rax\n"
    "  mov in_gpr+8(%rip), %rcx\n"
    "  mov in_gpr+16(%rip), %rdx\n"
    "  mov in_gpr+24(%rip), %rbx\n"
    "  mov in_gpr+40(%rip), %rbp\n"
    "  mov in_gpr+48(%rip), %rsi\n"
    "  mov in_gpr+56(%rip), %rdi\n"
    "  mov in_gpr+64(%rip), %r8\n"
    "  mov in_gpr+72(%rip), %r9\n"
    "  mov in_gpr+80(%rip), %r10\n"
    "  mov in_gpr+88(%rip), %r11\n"
    "  mov in_gpr+96(%rip), %r12\n"
    "  mov in_gpr+104(%rip), %r13\n"
    "  mov in_gpr+112(%rip), %r14\n"
    "  mov in_gpr+120(%rip), %r15\n"
    "  mov in_gpr+32(%rip), %rsp\n"
    "  jmp *code_target(%rip)\n"
    // snippet_epilogue: reached from the trampoline with guest state live.
    ".globl snippet_epilogue\n"
    "snippet_epilogue:\n"
    "  endbr64\n"
    "  mov %rax, out_gpr+0(%rip)\n"
    "  mov %rcx, out_gpr+8(%rip)\n"
    "  mov %rdx, out_gpr+16(%rip)\n"
    "  mov %rbx, out_gpr+24(%rip)\n"
    "  mov %rsp, out_gpr+32(%rip)\n"
    "  mov %rbp, out_gpr+40(%rip)\n"
    "  mov %rsi, out_gpr+48(%rip)\n"
    "  mov %rdi, out_gpr+56(%rip)\n"
    "  mov %r8, out_gpr+64(%rip)\n"
    "  mov %r9, out_gpr+72(%rip)\n"
    "  mov %r10, out_gpr+80(%rip)\n"
    "  mov %r11, out_gpr+88(%rip)\n"
    "  mov %r12, out_gpr+96(%rip)\n"
    "  mov %r13, out_gpr+104(%rip)\n"
    "  mov %r14, out_gpr+112(%rip)\n"
    "  mov %r15, out_gpr+120(%rip)\n"
    "  mov host_rsp(%rip), %rsp\n"
    "  pushfq\n"
    "  popq out_rflags(%rip)\n"
    "  fxsave64 out_fx(%rip)\n"
    "  call restore_host\n"
    "  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n"
    "  ret\n"
    // restore_host: clean RFLAGS (DF, AC, TF; IF is unaffected at CPL3), host
    // FPU/SSE state and FS/GS (glibc TLS lives in FS).
    ".globl restore_host\n"
    "restore_host:\n"
    "  pushq $2\n  popfq\n"
    "  fxrstor64 host_fx(%rip)\n"
    "  movw host_gs_sel(%rip), %ax\n  movw %ax, %gs\n"
    "  movw host_fs_sel(%rip), %ax\n  movw %ax, %fs\n"
    "  cmpb $0, have_fsgsbase(%rip)\n  je 1f\n"
    "  mov host_fs_base(%rip), %rax\n  wrfsbase %rax\n"
    "  mov host_gs_base(%rip), %rax\n  wrgsbase %rax\n"
    "  ret\n"
    "1:\n"
    "  mov $158, %eax\n  mov $0x1002, %edi\n  mov host_fs_base(%rip), %rsi\n  syscall\n"
    "  ret\n");

static sigjmp_buf jb;
static volatile sig_atomic_t in_snippet;
static volatile uint64_t case_seq, tick_seq;
static volatile uint32_t fault_sig;
static volatile uint64_t fault_addr;
static uint32_t mxcsr_mask = 0xFFBF;

static const int REGMAP[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP,
                               REG_RSI, REG_RDI, REG_R8,  REG_R9,  REG_R10, REG_R11,
                               REG_R12, REG_R13, REG_R14, REG_R15};

// Copy the legacy FXSAVE area from a signal frame; XSAVE may skip components
// in their init state, so fill those with init values.
static void copy_frame_fx(const uint8_t *fp) {
  memcpy(out_fx, fp, 512);
  uint32_t magic;
  memcpy(&magic, fp + 464, 4);
  if (magic != 0x46505853U) return; /* FP_XSTATE_MAGIC1: no xsave header */
  uint64_t bv;
  memcpy(&bv, fp + 512, 8);
  if (!(bv & 1)) { /* x87 init */
    memset(out_fx, 0, 24);
    out_fx[0] = 0x7F;
    out_fx[1] = 0x03;
    memset(out_fx + 32, 0, 128);
  }
  if (!(bv & 2)) memset(out_fx + 160, 0, 256); /* XMM0-15 init */
}

static void on_signal(int sig, siginfo_t *si, void *uctx) {
  if (!in_snippet) {
    if (sig == SIGVTALRM) return;
    signal(sig, SIG_DFL); /* runner bug: re-fault and die */
    return;
  }
  if (sig == SIGVTALRM) { /* watchdog: time out only after a full tick */
    if (tick_seq != case_seq) {
      tick_seq = case_seq;
      return;
    }
  }
  in_snippet = 0;
  restore_host(); /* before touching anything that uses TLS */
  ucontext_t *uc = uctx;
  for (int i = 0; i < 16; i++) out_gpr[i] = (uint64_t)uc->uc_mcontext.gregs[REGMAP[i]];
  out_rflags = (uint64_t)uc->uc_mcontext.gregs[REG_EFL];
  if (uc->uc_mcontext.fpregs)
    copy_frame_fx((const uint8_t *)uc->uc_mcontext.fpregs);
  else
    memset(out_fx, 0, 512);
  fault_sig = (uint32_t)sig;
  fault_addr = (sig == SIGSEGV || sig == SIGBUS) ? (uint64_t)(uintptr_t)si->si_addr : 0;
  siglongjmp(jb, 1);
}

static void die(const char *msg) {
  fprintf(stderr, "runner: %s\n", msg);
  exit(2);
}

static void *map_fixed(unsigned long va, unsigned long size, int prot) {
  void *p = mmap((void *)va, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (p != (void *)va) die("cannot map fixed area");
  return p;
}

static void setup(void) {
  map_fixed(CODE_VA, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC);
  map_fixed(DATA_VA, DATA_SIZE, PROT_READ | PROT_WRITE);
  memset((void *)CODE_VA, 0xCC, CODE_SIZE);

  static uint8_t altstack[1 << 16] __attribute__((aligned(64)));
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  if (sigaltstack(&ss, NULL)) die("sigaltstack");
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  int sigs[] = {SIGFPE, SIGSEGV, SIGILL, SIGBUS, SIGTRAP, SIGSYS, SIGVTALRM};
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    if (sigaction(sigs[i], &sa, NULL)) die("sigaction");

  // Host MXCSR_MASK tells which MXCSR bits FXRSTOR accepts.
  uint8_t fx[512] __attribute__((aligned(64)));
  __asm__ volatile("fxsave64 %0" : "=m"(fx));
  uint32_t m;
  memcpy(&m, fx + 28, 4);
  if (m) mxcsr_mask = m;

  have_fsgsbase = (getauxval(AT_HWCAP2) & 2) != 0; /* HWCAP2_FSGSBASE */
  if (syscall(SYS_arch_prctl, ARCH_GET_FS, &host_fs_base)) die("arch_prctl");
  if (syscall(SYS_arch_prctl, ARCH_GET_GS, &host_gs_base)) die("arch_prctl");

  // Seccomp: system calls made from the code area raise SIGSYS instead.
  struct sock_filter filt[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer) + 4),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 4),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer)),
      BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)CODE_VA, 0, 2),
      BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)(CODE_VA + CODE_SIZE), 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {.len = sizeof filt / sizeof filt[0], .filter = filt};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) die("no_new_privs");
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) die("seccomp");

  // Watchdog: a case that spans two ticks of CPU time is stopped.
  struct itimerval it = {{0, WATCHDOG_US}, {0, WATCHDOG_US}};
  if (setitimer(ITIMER_VIRTUAL, &it, NULL)) die("setitimer");
}

static void read_exact(void *p, size_t n) {
  if (fread(p, 1, n, stdin) != n) die("truncated input");
}

static void write_exact(const void *p, size_t n) {
  if (fwrite(p, 1, n, stdout) != n) die("write failed");
}

// Compact mode: load the data area from the non-zero input blocks.
static uint8_t data_in[DATA_SIZE] __attribute__((aligned(64)));
static uint64_t prev_in, prev_touched;

static void read_data_compact(void) {
  uint64_t mask;
  read_exact(&mask, 8);
  uint8_t *data = (uint8_t *)DATA_VA;
  for (unsigned b = 0; b < NBLK; b++) {
    uint64_t bit = 1ULL << b;
    if (mask & bit) {
      read_exact(data_in + b * BLK, BLK);
      memcpy(data + b * BLK, data_in + b * BLK, BLK);
    } else {
      if (prev_in & bit) memset(data_in + b * BLK, 0, BLK);
      if (prev_touched & bit) memset(data + b * BLK, 0, BLK);
    }
  }
  prev_in = mask;
}

static void write_data_compact(void) {
  const uint8_t *data = (const uint8_t *)DATA_VA;
  uint64_t dirty = 0;
  for (unsigned b = 0; b < NBLK; b++)
    if (memcmp(data + b * BLK, data_in + b * BLK, BLK)) dirty |= 1ULL << b;
  write_exact(&dirty, 8);
  for (unsigned b = 0; b < NBLK; b++)
    if (dirty & (1ULL << b)) write_exact(data + b * BLK, BLK);
  prev_touched = prev_in | dirty;
}

int main(int argc, char **argv) {
  int compact = argc > 1 && !strcmp(argv[1], "-c");
  setup();
  static char ibuf[1 << 20], obuf[1 << 20];
  setvbuf(stdin, ibuf, _IOFBF, sizeof ibuf);
  setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
  uint8_t *code = (uint8_t *)CODE_VA;
  uint64_t epi = (uint64_t)(uintptr_t)snippet_epilogue;

  for (;;) {
    uint32_t len;
    if (fread(&len, 1, 4, stdin) != 4) break;
    if (len > MAX_CODE) die("code too long");
    read_exact(code, len);
    // Trampoline: jmp qword [rip+disp] through an aligned slot at the end of
    // the code area (aligned so EFLAGS.AC cannot fault it). Stale bytes: int3.
    int32_t disp = (int32_t)(EPI_SLOT - (len + TRAMP_LEN));
    code[len] = 0xFF;
    code[len + 1] = 0x25;
    memcpy(code + len + 2, &disp, 4);
    // Refill everything after it: the snippet may have written to the area.
    memset(code + len + TRAMP_LEN, 0xCC, EPI_SLOT - (len + TRAMP_LEN));
    memcpy(code + EPI_SLOT, &epi, 8);

    read_exact(in_gpr, sizeof in_gpr);
    read_exact(&in_rflags, 8);
    read_exact(in_fx, 512);
    if (compact)
      read_data_compact();
    else
      read_exact((void *)DATA_VA, DATA_SIZE);
    in_rflags = (in_rflags & FLAGS_IN) | 2;
    uint32_t mxcsr;
    memcpy(&mxcsr, in_fx + 24, 4);
    mxcsr &= mxcsr_mask;
    memcpy(in_fx + 24, &mxcsr, 4);

    fault_sig = 0;
    fault_addr = 0;
    if (sigsetjmp(jb, 0) == 0) {
      case_seq++;
      in_snippet = 1;
      run_snippet();
      in_snippet = 0;
    }
    memset(out_fx + 464, 0, 48); /* software-available area: not CPU state */

    uint32_t status = fault_sig;
    uint64_t addr = fault_addr;
    write_exact(&status, 4);
    write_exact(&addr, 8);
    write_exact(out_gpr, sizeof out_gpr);
    write_exact(&out_rflags, 8);
    write_exact(out_fx, 512);
    if (compact)
      write_data_compact();
    else
      write_exact((void *)DATA_VA, DATA_SIZE);
  }
  if (fflush(stdout)) die("write failed");
  return 0;
}
