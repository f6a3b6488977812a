"""The new-job form looks like the rest of the site: Bootstrap's selects and inputs, and
the hyperparameters say what "auto" means instead of a cut-off placeholder."""

import re

from django.urls import reverse


def test_every_field_of_the_new_job_form_is_styled(client, user):
    client.force_login(user)
    html = client.get(reverse("finetuning:job_create")).content.decode()
    start = html.index('id="job-form"')
    form = html[start : html.index("</form>", start)]
    controls = re.findall(r"<(input|select|textarea)\b([^>]*)>", form)
    visible = [(tag, attrs) for tag, attrs in controls if 'type="hidden"' not in attrs]
    assert len(visible) == 10  # model, files (3), four hyperparameters, suffix, seed
    for tag, attrs in visible:
        expected = "form-select" if tag == "select" else "form-control"
        assert re.search(rf'class="[^"]*\b{expected}\b', attrs), (tag, attrs)


def test_epochs_and_batch_size_explain_auto(client, user):
    client.force_login(user)
    html = client.get(reverse("finetuning:job_create")).content.decode()
    epochs = re.search(r'<input[^>]*name="n_epochs"[^>]*>', html)[0]
    assert 'placeholder="auto"' in epochs and 'aria-describedby="id_n_epochs_helptext"' in epochs
    assert 'id="id_n_epochs_helptext"' in html and "3 for most files" in html
