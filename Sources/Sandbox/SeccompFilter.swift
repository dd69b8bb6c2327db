/// A classic-BPF seccomp program for bubblewrap's `--seccomp FD` (format: linux/filter.h,
/// struct sock_filter; policy modelled on Docker's default profile, as a deny-list).
///
/// Written by hand because it is a few dozen instructions and libseccomp would be a C
/// dependency for one table. It denies with EPERM the system calls a sample never needs and
/// that widen the attack surface: tracing and cross-process memory access, kernel keyrings,
/// BPF, io_uring, mounts and namespaces, module loading, clocks; `clone` with namespace flags;
/// `clone3` gets ENOSYS so that libc falls back to `clone`, whose flags can be checked.
public enum SeccompFilter {
    /// AUDIT_ARCH_X86_64.
    static let auditArchX86_64: UInt32 = 0xC000_003E

    /// x86_64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl).
    static let deniedX86_64: [(name: String, number: UInt32)] = [
        ("ptrace", 101), ("syslog", 103), ("personality", 135), ("uselib", 134),
        ("vhangup", 153), ("pivot_root", 155), ("_sysctl", 156), ("adjtimex", 159),
        ("chroot", 161), ("acct", 163), ("settimeofday", 164), ("mount", 165), ("umount2", 166),
        ("swapon", 167), ("swapoff", 168), ("reboot", 169), ("iopl", 172), ("ioperm", 173),
        ("init_module", 175), ("delete_module", 176), ("quotactl", 179), ("nfsservctl", 180),
        ("lookup_dcookie", 212), ("clock_settime", 227), ("kexec_load", 246), ("add_key", 248),
        ("request_key", 249), ("keyctl", 250), ("unshare", 272), ("perf_event_open", 298),
        ("fanotify_init", 300), ("name_to_handle_at", 303), ("open_by_handle_at", 304),
        ("clock_adjtime", 305), ("setns", 308), ("process_vm_readv", 310),
        ("process_vm_writev", 311), ("kcmp", 312), ("finit_module", 313), ("kexec_file_load", 320),
        ("bpf", 321), ("userfaultfd", 323), ("io_uring_setup", 425), ("io_uring_enter", 426),
        ("io_uring_register", 427), ("open_tree", 428), ("move_mount", 429), ("fsopen", 430),
        ("fsconfig", 431), ("fsmount", 432), ("fspick", 433), ("pidfd_getfd", 438),
        ("process_madvise", 440), ("mount_setattr", 442), ("memfd_secret", 447),
    ]
    static let cloneX86_64: UInt32 = 56
    static let clone3X86_64: UInt32 = 435
    /// CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET | NEWTIME(0x80).
    static let namespaceFlags: UInt32 = 0x0002_0000 | 0x0200_0000 | 0x0400_0000 | 0x0800_0000
        | 0x1000_0000 | 0x2000_0000 | 0x4000_0000 | 0x80

    struct Instruction: Equatable {
        var code: UInt16, jt: UInt8, jf: UInt8, k: UInt32
    }

    static let loadWord: UInt16 = 0x20  // BPF_LD | BPF_W | BPF_ABS
    static let jumpEqual: UInt16 = 0x15  // BPF_JMP | BPF_JEQ | BPF_K
    static let jumpGreaterEqual: UInt16 = 0x35  // BPF_JMP | BPF_JGE | BPF_K
    static let jumpSet: UInt16 = 0x45  // BPF_JMP | BPF_JSET | BPF_K
    static let ret: UInt16 = 0x06  // BPF_RET | BPF_K
    static let allow: UInt32 = 0x7FFF_0000
    static let killProcess: UInt32 = 0x8000_0000
    static func errno(_ value: UInt32) -> UInt32 { 0x0005_0000 | value }
    static let EPERM: UInt32 = 1, ENOSYS: UInt32 = 38

    /// The program for the machine this runs on, or nil where codeloop has no syscall table.
    public static func programForThisMachine() -> [UInt8]? {
        #if arch(x86_64)
        return bytes(of: x86_64Program())
        #else
        return nil
        #endif
    }

    static func x86_64Program() -> [Instruction] {
        // Layout: arch check, x32 check, one compare per denied call, clone/clone3, allow,
        // then the shared return blocks that the compares jump to.
        var program: [Instruction] = []
        let denied = deniedX86_64.map(\.number)
        // Indices of the tail blocks, computed from the body's length.
        let bodyCount = 2 /* load arch, check arch */ + 1 /* load nr */ + 1 /* x32 */
            + denied.count + 2 /* clone, clone3 */ + 1 /* allow */
        let denyIndex = bodyCount, enosysIndex = bodyCount + 1, killIndex = bodyCount + 2
        let cloneIndex = bodyCount + 3
        func jump(from index: Int, to target: Int) -> UInt8 { UInt8(target - index - 1) }

        program.append(Instruction(code: loadWord, jt: 0, jf: 0, k: 4))  // seccomp_data.arch
        program.append(Instruction(code: jumpEqual, jt: 0, jf: jump(from: 1, to: killIndex), k: auditArchX86_64))
        program.append(Instruction(code: loadWord, jt: 0, jf: 0, k: 0))  // seccomp_data.nr
        program.append(Instruction(code: jumpGreaterEqual, jt: jump(from: 3, to: denyIndex), jf: 0, k: 0x4000_0000))
        for number in denied {
            let index = program.count
            program.append(Instruction(code: jumpEqual, jt: jump(from: index, to: denyIndex), jf: 0, k: number))
        }
        program.append(Instruction(code: jumpEqual, jt: jump(from: program.count, to: cloneIndex), jf: 0, k: cloneX86_64))
        program.append(Instruction(code: jumpEqual, jt: jump(from: program.count, to: enosysIndex), jf: 0, k: clone3X86_64))
        program.append(Instruction(code: ret, jt: 0, jf: 0, k: allow))
        precondition(program.count == bodyCount)
        program.append(Instruction(code: ret, jt: 0, jf: 0, k: errno(EPERM)))
        program.append(Instruction(code: ret, jt: 0, jf: 0, k: errno(ENOSYS)))
        program.append(Instruction(code: ret, jt: 0, jf: 0, k: killProcess))
        // clone: args[0] (flags), low 32 bits, at offset 16 on a little-endian machine.
        // BPF only jumps forward, so this block ends in its own allow and deny.
        program.append(Instruction(code: loadWord, jt: 0, jf: 0, k: 16))
        program.append(Instruction(code: jumpSet, jt: 1, jf: 0, k: namespaceFlags))
        program.append(Instruction(code: ret, jt: 0, jf: 0, k: allow))
        program.append(Instruction(code: ret, jt: 0, jf: 0, k: errno(EPERM)))
        return program
    }

    static func bytes(of program: [Instruction]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(program.count * 8)
        for instruction in program {
            out.append(UInt8(instruction.code & 0xFF))
            out.append(UInt8(instruction.code >> 8))
            out.append(instruction.jt)
            out.append(instruction.jf)
            withUnsafeBytes(of: instruction.k.littleEndian) { out.append(contentsOf: $0) }
        }
        return out
    }
}
