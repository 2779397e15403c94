; Mode walk: real mode -> 16-bit protected mode -> 32-bit protected mode -> PAE paging
; + long mode -> an exception through a 64-bit IDT returning with IRETQ -> VMMCALL.
; Loaded at gPA 0x8000 and entered in real mode at 0000:8000 (boot-sector style).
; Each stage reports with OUT 80h, AL = stage (IOIO intercept; EXITINFO1 shows the
; address size of the mode). The end: VMMCALL with RBX = handler mark, RCX = stage count.
; Scratch: 0x7100 handler mark, 0x7108 RIP pushed by #UD, 0x7110 address of the UD2,
; 0x7120 mark of the 32-bit INT 21h handler, 0x7130 mark of the real-mode INT 22h handler.
; Page tables at 0xA000 (PML4), 0xB000 (PDPT), 0xC000 (PD, one 2 MiB identity page).

        org 0x8000
        bits 16
start:
        cli
        xor ax, ax
        mov ds, ax
        mov ss, ax
        mov sp, 0x7000
        mov word [0x22*4], rm_handler   ; IVT entry 22h -> 0000:rm_handler
        mov word [0x22*4+2], 0
        int 0x22                        ; real-mode interrupt through the IVT
        mov al, 1
        out 0x80, al                    ; stage 1: real mode (A16)

        lgdt [gdtr]
        mov eax, cr0
        or al, 1                        ; CR0.PE
        mov cr0, eax
        jmp 0x18:pm16                   ; 16-bit protected mode

pm16:
        mov ax, 0x10
        mov ds, ax
        mov al, 2
        out 0x80, al                    ; stage 2: 16-bit protected mode (A16)
        jmp dword 0x08:pm32

rm_handler:
        mov word [0x7130], 0x16
        iret

        bits 32
pm32_handler:
        mov dword [0x7120], 0x32
        iretd

pm32:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov esp, 0x7000
        ; IDT32 entry 21h -> pm32_handler, 32-bit interrupt gate.
        mov eax, pm32_handler
        mov word [0xE000 + 0x21*8], ax
        mov word [0xE000 + 0x21*8 + 2], 0x08
        mov word [0xE000 + 0x21*8 + 4], 0x8E00
        shr eax, 16
        mov word [0xE000 + 0x21*8 + 6], ax
        lidt [idtr32]
        int 0x21                        ; protected-mode interrupt through a 32-bit gate
        mov al, 3
        out 0x80, al                    ; stage 3: 32-bit protected mode (A32)

        ; Page tables: identity map of the first 2 MiB.
        mov edi, 0xA000
        xor eax, eax
        mov ecx, 3 * 1024
        rep stosd
        mov dword [0xA000], 0xB003
        mov dword [0xB000], 0xC003
        mov dword [0xC000], 0x83
        mov eax, cr4
        or eax, 1 << 5                  ; CR4.PAE
        mov cr4, eax
        mov eax, 0xA000
        mov cr3, eax
        mov ecx, 0xC0000080             ; EFER
        rdmsr
        or eax, 1 << 8                  ; EFER.LME
        wrmsr
        mov eax, cr0
        or eax, 1 << 31                 ; CR0.PG -> EFER.LMA
        mov cr0, eax
        jmp 0x28:lm64

        bits 64
lm64:
        mov al, 4
        out 0x80, al                    ; stage 4: 64-bit mode (A64)

        ; IDT entry 6 (#UD) -> ud_handler, 64-bit interrupt gate.
        mov rax, ud_handler
        mov word [0xD000 + 6*16], ax
        mov word [0xD000 + 6*16 + 2], 0x28
        mov word [0xD000 + 6*16 + 4], 0x8E00
        shr rax, 16
        mov word [0xD000 + 6*16 + 6], ax
        mov dword [0xD000 + 6*16 + 8], 0
        mov dword [0xD000 + 6*16 + 12], 0
        lidt [idtr64]
        mov rsp, 0x7000
        mov rax, ud_site
        mov [0x7110], rax
ud_site:
        ud2                             ; #UD -> handler -> IRETQ past the UD2
        mov al, 5
        out 0x80, al                    ; stage 5: back from the handler
        mov ebx, [0x7100]
        mov ecx, 5
        vmmcall

ud_handler:
        mov dword [0x7100], 0x600d
        mov rax, [rsp]
        mov [0x7108], rax
        add qword [rsp], 2              ; skip the UD2
        iretq

        align 8
gdt:
        dq 0
        dq 0x00CF9A000000FFFF           ; 0x08 32-bit code
        dq 0x00CF92000000FFFF           ; 0x10 data
        dq 0x00009A000000FFFF           ; 0x18 16-bit code
        dq 0
        dq 0x00AF9A000000FFFF           ; 0x28 64-bit code
gdt_end:
gdtr:
        dw gdt_end - gdt - 1
        dd gdt
idtr32:
        dw 0x7FF
        dd 0xE000
idtr64:
        dw 0xFFF
        dq 0xD000
