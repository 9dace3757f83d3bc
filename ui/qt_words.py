"""Indonesian for the words Qt writes itself: standard buttons (OK, Batal, Ya, Tidak…), the text
fields' right-click menu, the file dialog. Qt ships no Indonesian translation, so a small translator
gives these few dozen words; in English Qt's own texts are used."""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QTranslator

# (context, source) -> Indonesian. Qt's texts as Qt 6 writes them, with their & accelerators.
_BUTTONS = {
    "OK": "OK", "Save": "Simpan", "Save All": "Simpan semua", "Open": "Buka", "&Yes": "&Ya", "Yes": "Ya",
    "Yes to &All": "Ya untuk &semua", "&No": "&Tidak", "No": "Tidak", "N&o to All": "T&idak untuk semua",
    "Abort": "Batalkan", "Retry": "Coba lagi", "Ignore": "Abaikan", "Close": "Tutup", "Cancel": "Batal",
    "Discard": "Buang", "Help": "Bantuan", "Apply": "Terapkan", "Reset": "Atur ulang",
    "Restore Defaults": "Kembalikan bawaan", "Don't Save": "Jangan simpan", "Close without Saving":
        "Tutup tanpa menyimpan",
}
_EDITING = {
    "&Undo": "&Urungkan", "&Redo": "&Ulangi", "Cu&t": "Po&tong", "&Copy": "&Salin", "&Paste": "&Tempel",
    "Delete": "Hapus", "Select All": "Pilih semua", "Copy &Link Location": "Salin &alamat tautan",
}
_MESSAGE_BOX = {
    "Show Details...": "Tampilkan rincian…", "Hide Details...": "Sembunyikan rincian…",
}
_FILE_DIALOG = {
    "Look in:": "Lihat di:", "File &name:": "&Nama file:", "Files of type:": "Jenis file:",
    "&Open": "&Buka", "&Save": "&Simpan", "&Choose": "&Pilih", "Directories": "Folder", "Directory:": "Folder:",
    "File": "File", "File Folder": "Folder", "Folder": "Folder", "Name": "Nama", "Size": "Ukuran",
    "Type": "Jenis", "Date Modified": "Tanggal diubah", "Back": "Kembali", "Forward": "Maju",
    "Parent Directory": "Folder induk", "Create New Folder": "Buat folder baru", "New Folder": "Folder baru",
    "List View": "Tampilan daftar", "Detail View": "Tampilan rinci", "All Files (*)": "Semua file (*)",
    "My Computer": "Komputer", "Computer": "Komputer", "&Rename": "&Ganti nama", "&Delete": "&Hapus",
    "Show &hidden files": "Tampilkan file &tersembunyi", "&New Folder": "Folder &baru",
    "Recent Places": "Tempat terakhir",
    "%1 already exists.\nDo you want to replace it?": "%1 sudah ada.\nGanti file itu?",
    "%1\nFile not found.\nPlease verify the correct file name was given.":
        "%1\nFile tidak ditemukan.\nPeriksa nama filenya.",
}
WORDS: dict[str, dict[str, str]] = {
    "QPlatformTheme": _BUTTONS, "QDialogButtonBox": _BUTTONS, "QMessageBox": {**_BUTTONS, **_MESSAGE_BOX},
    "QLineEdit": _EDITING, "QWidgetTextControl": _EDITING, "QFileDialog": {**_FILE_DIALOG, **_BUTTONS},
    "QFileSystemModel": _FILE_DIALOG,
}


class IndonesianQtWords(QTranslator):
    def translate(self, context: str, source: str, disambiguation: str | None = None, n: int = -1) -> str | None:
        # None (a null string) means "no translation here"; an empty string would blank Qt's own text
        return WORDS.get(context, {}).get(source)

    def isEmpty(self) -> bool:
        return False


_installed: IndonesianQtWords | None = None


def use_language(lang: str) -> None:
    """Qt's own words in `lang` ("id": ours; anything else: Qt's English)."""
    global _installed
    app = QCoreApplication.instance()
    if app is None:
        return
    if lang == "id" and _installed is None:
        _installed = IndonesianQtWords(app)
        app.installTranslator(_installed)
    elif lang != "id" and _installed is not None:
        app.removeTranslator(_installed)
        _installed = None
