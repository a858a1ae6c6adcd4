"""Attachments: stored on disk under TENURE_ATTACHMENT_DIR, size-limited, typed by their content, not their name."""

import base64

import pytest
from django.core.exceptions import ValidationError

from tenure.knowledge import services
from tests.knowledge.builders import make_article

pytestmark = pytest.mark.django_db

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"


@pytest.fixture(autouse=True)
def attachment_dir(settings, tmp_path):
    settings.TENURE_ATTACHMENT_DIR = tmp_path / "attachments"
    settings.TENURE_ATTACHMENT_MAX_BYTES = 1000
    return settings.TENURE_ATTACHMENT_DIR


@pytest.mark.parametrize(("name", "content", "content_type", "suffix"), [
    ("diagram.png", PNG, "image/png", ".png"),
    ("guide.pdf", PDF, "application/pdf", ".pdf"),
    ("spinner.png", GIF, "image/gif", ".gif"),  # named .png, is a GIF: stored as what it is
])
def test_images_and_pdfs_are_stored_on_disk_as_their_content_says(attachment_dir, name, content, content_type,
                                                                    suffix):
    attachment = services.add_attachment(make_article(), name=name, content=content)
    assert attachment.content_type == content_type
    assert attachment.size == len(content)
    assert attachment.file.name.endswith(suffix)
    stored = attachment_dir / attachment.file.name
    assert stored.read_bytes() == content


@pytest.mark.parametrize(("name", "content", "words"), [
    ("evil.png", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "not a PNG"),
    ("page.pdf", b"<html><script>alert(1)</script></html>", "not a PNG"),
    ("empty.png", b"", "empty"),
    ("big.png", PNG + b"\0" * 2000, "largest attachment is 1,000 bytes"),
])
def test_other_content_empty_or_too_large_files_are_refused(attachment_dir, name, content, words):
    with pytest.raises(ValidationError, match=words):
        services.add_attachment(make_article(), name=name, content=content)
    assert not attachment_dir.exists() or not any(attachment_dir.rglob("*.*"))


def test_staff_download_it_with_its_type_and_no_sniffing(csm_client):
    article = make_article()
    attachment = services.add_attachment(article, name="diagram.png", content=PNG)
    response = csm_client.get(f"/knowledge/attachments/{attachment.pk}/{attachment.filename}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG


def test_upload_through_the_page_refuses_a_disguised_file(csm_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    article = make_article()
    upload = SimpleUploadedFile("photo.png", b"<script>alert(1)</script>", content_type="image/png")
    response = csm_client.post(f"/knowledge/{article.pk}/attachments/", {"file": upload}, follow=True)
    assert "not a PNG" in response.content.decode()
    assert not article.attachments.exists()
