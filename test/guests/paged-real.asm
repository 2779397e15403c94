; Paged real mode (svm.md 14): VMRUN with CR0.PE=0 and CR0.PG=1. Real-mode segmentation,
; but linear addresses go through the 32-bit page tables at CR3: linear page 0x8000 maps
; to gPA 0x9000, where this code is loaded; the byte at linear 0x8800 is at gPA 0x9800.
        org 0x8000
        bits 16
        xor ax, ax
        mov ds, ax
        mov al, [0x8800]
        out 0x80, al                    ; AL = 42h if paging translated the load
        mov bx, 0x1234
        vmmcall
