"""The spoken sentences: Indonesian and English, built only from words the station chose.

These are the screen's words as a person who cannot see needs them: what is on
the screen and which key does what (keys by the names printed and brailled on
the keypad's label, docs/keypad-label.md). Digits the citizen types are never
spoken: the page confirms each with a tone.
"""

from __future__ import annotations

Pair = tuple[str, str]

ORDINALS_ID = ("pertama", "kedua", "ketiga", "keempat", "kelima", "keenam", "ketujuh", "kedelapan",
               "kesembilan", "kesepuluh")
ORDINALS_EN = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
               "eleventh", "twelfth")

# Each screen's own sentence; `{...}` is filled by compose (door place, counts, seconds).
SCREENS: dict[str, Pair] = {
    "idle": ("Selamat datang. Pindai kode QR di ponsel Anda, atau ketik kode pengambilan dua belas angka "
             "dengan tombol angka.",
             "Welcome. Scan the QR code on your phone, or type the twelve-digit pickup code on the number keys."),
    "code": ("Ketik kode pengambilan, dua belas angka, lalu tekan Enter. Tombol Hapus menghapus angka terakhir. "
             "Tombol Batal kembali ke awal.",
             "Type the pickup code, twelve digits, then press Enter. The Clear key removes the last digit. "
             "The Cancel key goes back to the start."),
    "code_short": ("Kode belum lengkap. Kode pengambilan terdiri dari dua belas angka.",
                   "The code is not complete. A pickup code has twelve digits."),
    "checking": ("Sedang memeriksa kode Anda. Mohon tunggu.", "Checking your code. Please wait."),
    "pin": ("Masukkan PIN Anda dengan tombol angka, lalu tekan Enter. Tombol Batal menghentikan pengambilan. "
            "Tidak punya PIN? PIN dikirim oleh instansi penerbit bersama kode Anda.",
            "Enter your PIN on the number keys, then press Enter. The Cancel key stops the pickup. "
            "No PIN? The issuing office sent it with your code."),
    "pin_wrong": ("PIN salah. Sisa percobaan: {left}.", "Wrong PIN. Attempts left: {left}."),
    "pin_reset": ("Tidak ada tombol ditekan. Layar kembali ke awal dalam {seconds} detik.",
                  "No key was pressed. The screen goes back to the start in {seconds} seconds."),
    "opening": ("Pintu sedang dibuka: {place}.", "The door is opening: {place}."),
    "open": ("Pintu terbuka: {place}. Ambil dokumen Anda, lalu tutup pintunya.",
             "The door is open: {place}. Take your document, then close the door."),
    "printing": ("Dokumen Anda sedang dicetak.", "Your document is being printed."),
    "printing_pages": ("Halaman {page} dari {pages}.", "Page {page} of {pages}."),
    "printing_eta": ("Sekitar {seconds} detik lagi.", "About {seconds} seconds to go."),
    "presented": ("Ambil dokumen Anda dari baki {tray}.", "Take your document from the tray {tray}."),
    "presented_retain": ("Kertas yang tidak diambil dalam {seconds} detik akan disimpan oleh mesin.",
                         "Paper not taken within {seconds} seconds is kept by the machine."),
    "thanks": ("Terima kasih. Pengambilan selesai.", "Thank you. Your pickup is complete."),
    "refused": ("Kode ini tidak dapat dipakai.", "This code cannot be used."),
    "ask_staff": ("Petugas sedang dipanggil. Mohon tunggu di sini.", "A staff member has been called. Please wait here."),
    "locked_out": ("Mohon tunggu, lalu coba lagi.", "Please wait, then try again."),
    "locked_out_left": ("Coba lagi dalam {seconds} detik.", "Try again in {seconds} seconds."),
    "problem_reported": ("Masalah Anda sudah dilaporkan. Petugas akan segera datang.",
                         "Your problem has been reported. A staff member is coming."),
    "problem_menu": ("Laporkan masalah. Tekan satu: pintu tidak terbuka. Dua: dokumen tidak ada. Tiga: dokumen "
                     "salah. Empat: masalah lain. Tombol Batal menutup.",
                     "Report a problem. Press one: the door will not open. Two: the document is missing. Three: "
                     "the wrong document. Four: something else. The Cancel key closes."),
    "out_of_service": ("Mesin ini sedang tidak dapat digunakan. Silakan hubungi petugas.",
                       "This machine cannot be used right now. Please ask a staff member."),
    "offline": ("Mesin ini sedang tidak dapat digunakan. Silakan hubungi petugas.",
                "This machine cannot be used right now. Please ask a staff member."),
    "help": ("Mode suara aktif. Tombol Ulangi mengulang kalimat. Tombol Tambah dan Kurang mengatur volume. "
             "Tombol Layar Mati memadamkan layar untuk privasi.",
             "Speech mode is on. The Repeat key says it again. The Plus and Minus keys set the volume. "
             "The Screen Off key blanks the screen for privacy."),
    "screen_off": ("Layar dimatikan untuk privasi.", "The screen is off for privacy."),
    "screen_on": ("Layar menyala.", "The screen is on."),
    "large_on": ("Teks besar.", "Large text."),
    "large_off": ("Teks biasa.", "Normal text."),
    "volume": ("Volume {volume}.", "Volume {volume}."),
}

# Screens whose sentence is the daemon's own message (a refusal says why and what to do).
MESSAGE_SCREENS = frozenset({"refused", "ask_staff", "locked_out", "out_of_service", "problem_reported"})
# Screens the page draws without the daemon (typed code, menus, the page's own settings).
PAGE_SCREENS = frozenset({"code", "code_short", "pin_reset", "problem_menu", "offline", "help", "screen_off",
                          "screen_on", "large_on", "large_off", "volume"})

SIDES: dict[str, Pair] = {
    "left": ("di sebelah kiri layar", "to the left of the screen"),
    "right": ("di sebelah kanan layar", "to the right of the screen"),
    "behind": ("di belakang Anda", "behind you"),
}


def ordinal(n: int, lang: str) -> str:
    """1 -> "pertama" / "first"; past the table, "ke-11" / "11th"."""
    table = ORDINALS_ID if lang == "id" else ORDINALS_EN
    if 1 <= n <= len(table):
        return table[n - 1]
    return f"ke-{n}" if lang == "id" else f"{n}th"
