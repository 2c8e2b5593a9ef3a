"""Issue 9's « Done when », its sharing part, walked through the pages with Django's test
client: the demo member borrows a drill, another member reserves it, the return tells the
second one (the email is in the outbox); an offer of help receives an answer relayed by email.

The situation is the demo's (`maillage.devtools.demo_sharing`: the same usernames, the drill
« Perceuse à percussion », self-service borrowing), built with the factories: loading the whole
demo takes too long for one journey.
"""

import pytest
from django.core import mail

from maillage.devtools.demo_sharing import DEMO_MEMBER, DRILL
from maillage.sharing.models import Loan, LoanState, Reservation, ReservationState
from tests.accounts.factories import UserFactory
from tests.mail_helpers import link_in, send_queued_mail
from tests.places.factories import make_place
from tests.sharing.factories import make_item, make_member, make_post, set_sharing

pytestmark = pytest.mark.django_db


def test_borrow_reserve_return_and_an_answer_relayed(client):
    staff = UserFactory(username="demo-equipe")
    place = make_place(name="La Fabrique de Pau", staff=[staff])
    set_sharing(place, self_service=True)
    member = make_member(place, username=DEMO_MEMBER, email="membre@example.org")
    other = make_member(place, username="demo-ines", email="ines@example.org")
    drill = make_item(place, name=DRILL)
    send_queued_mail()
    mail.outbox.clear()

    # The demo member finds the drill in the catalogue and borrows it.
    client.force_login(member)
    found = client.get(f"/lieux/{place.slug}/objets/", {"q": "perceuse"})
    assert found.status_code == 200 and DRILL in found.text and "disponible" in found.text
    page = client.get(f"/lieux/{place.slug}/objets/{drill.pk}/")
    assert "Emprunter" in page.text
    borrowed = client.post(f"/lieux/{place.slug}/objets/{drill.pk}/emprunter/", follow=True)
    assert "Emprunt enregistré" in borrowed.text
    loan = Loan.objects.get(item=drill)
    assert loan.borrower == member and loan.state == LoanState.OUT
    assert DRILL in client.get("/mon-espace/").text

    # Another member reserves it.
    client.force_login(other)
    page = client.get(f"/lieux/{place.slug}/objets/{drill.pk}/")
    assert "Réserver" in page.text
    client.post(f"/lieux/{place.slug}/objets/{drill.pk}/reserver/")
    reservation = Reservation.objects.get(item=drill, user=other)
    assert reservation.state == ReservationState.WAITING
    assert "n° 1 sur la liste" in client.get(f"/lieux/{place.slug}/objets/{drill.pk}/").text

    # The staff take it back; the second one is told and it is held for them.
    client.force_login(staff)
    returned = client.post(
        f"/lieux/{place.slug}/prets/{loan.pk}/retour/",
        {"condition": "good", "notes": "RAS"},
        follow=True,
    )
    assert "Retour enregistré" in returned.text
    send_queued_mail()
    assert [message.to for message in mail.outbox] == [["ines@example.org"]]
    assert DRILL in mail.outbox[0].subject
    item_link = link_in(mail.outbox[0], "http")
    assert f"/objets/{drill.pk}/" in item_link
    reservation.refresh_from_db()
    assert reservation.state == ReservationState.HELD
    client.force_login(other)
    assert "mis de côté pour vous" in client.get(f"/lieux/{place.slug}/objets/{drill.pk}/").text
    client.post(f"/lieux/{place.slug}/objets/{drill.pk}/emprunter/")
    assert Loan.objects.get(item=drill, state=LoanState.OUT).borrower == other

    # An offer of help receives an answer, relayed by email without the address.
    mail.outbox.clear()
    offer = make_post(member, place=place, title="Aide pour monter une étagère")
    client.force_login(other)
    assert offer.title in client.get("/entraide/").text
    answered = client.post(
        f"/entraide/{offer.pk}/repondre/", {"body": "Je peux venir samedi."}, follow=True
    )
    assert answered.status_code == 200 and "Message transmis" in answered.text
    send_queued_mail()
    assert [message.to for message in mail.outbox] == [["membre@example.org"]]
    relayed = mail.outbox[0]
    assert "Je peux venir samedi." in relayed.body and "ines@example.org" not in relayed.body
    # The author answers on the platform; the answer goes back by email, and only now do
    # both see each other's address.
    client.force_login(member)
    conversation_url = link_in(relayed, "http").replace("http://testserver", "")
    conversation_path = conversation_url[conversation_url.index("/entraide/") :]
    before = client.get(conversation_path)
    assert "ines@example.org" not in before.text
    client.post(conversation_path, {"body": "Merci, à samedi !"})
    send_queued_mail()
    assert mail.outbox[-1].to == ["ines@example.org"]
    assert "ines@example.org" in client.get(conversation_path).text
