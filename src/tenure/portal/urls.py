from django.urls import path

from tenure.portal import community_mail_views as community_mail
from tenure.portal import community_moderation_views as community_moderation
from tenure.portal import community_views as community
from tenure.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("suggest/", views.suggest, name="suggest"),
    path("articles/<str:slug>/", views.article, name="article"),
    path("articles/<str:slug>/feedback/", views.article_feedback, name="article_feedback"),
    path("attachments/", views.attachment_missing, name="attachments_root"),
    path("attachments/<int:pk>/<str:name>", views.attachment, name="attachment"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/sent/", views.link_sent, name="link_sent"),
    path("sign-in/<str:token>/", views.link, name="link"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("account/", views.account, name="account"),
    path("contact/", views.contact_support, name="contact"),
    path("contact/suggestions/", views.suggestions, name="suggestions"),
    path("contact/answered/", views.answered, name="answered"),
    path("view-as/stop/", views.stop_viewing_as, name="stop_viewing_as"),
    path("community/", community.home, name="community"),
    path("community/new/", community.new_thread, name="community_new"),
    path("community/similar/", community.similar, name="community_similar"),
    path("community/t/<int:pk>/", community.thread, name="community_thread"),
    path("community/t/<int:pk>/reply/", community.reply, name="community_reply"),
    path("community/t/<int:pk>/vote/", community.vote, name="community_vote"),
    path("community/t/<int:pk>/accept/", community.accept, name="community_accept"),
    path("community/t/<int:pk>/status/", community.idea_status, name="community_idea_status"),
    path("community/t/<int:pk>/<int:number>/edit/", community.edit, name="community_edit"),
    path("community/t/<int:pk>/<int:number>/like/", community.like, name="community_like"),
    path("community/t/<int:pk>/moderate/", community_moderation.moderate_thread, name="community_moderate_thread"),
    path("community/t/<int:pk>/<int:number>/moderate/", community_moderation.moderate_post,
         name="community_moderate_post"),
    path("community/t/<int:pk>/<int:number>/flag/", community_moderation.flag, name="community_flag"),
    path("community/t/<int:pk>/article/", community_moderation.to_article, name="community_to_article"),
    path("community/t/<int:pk>/ticket/", community_moderation.to_ticket, name="community_to_ticket"),
    path("community/t/<int:pk>/resolution/", community_moderation.resolution, name="community_resolution"),
    path("community/post/<int:pk>/", community.post, name="community_post"),
    path("community/members/<int:contact_id>/", community.member, name="community_member"),
    path("community/from-ticket/<int:ticket_id>/", community_moderation.from_ticket, name="community_from_ticket"),
    path("community/moderation/", community_moderation.review_queue, name="community_moderation"),
    path("community/groups/<str:slug>/", community.group, name="community_group"),
    path("community/watch/", community_mail.watch, name="community_watch"),
    path("community/digest/", community_mail.digest, name="community_digest"),
    path("community/unsubscribe/<str:token>/", community_mail.unsubscribe, name="community_unsubscribe"),
    path("view-as/<int:contact_id>/", views.view_as, name="view_as"),
]
