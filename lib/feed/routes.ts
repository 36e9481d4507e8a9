import { route } from '../http/route';
import { PostReport, ReportBody } from '../social/schemas';
import { FeedPage, FeedQuery, Post, PostBody, PostParams } from './schemas';

const tags = ['social'] as const;

export const createPost = /* @__PURE__ */ route({
  operationId: 'createPost',
  method: 'POST',
  path: '/api/social/posts',
  summary: "Post to your club's feed, seen by the fans of your club",
  tags,
  auth: 'required',
  limit: 'posts',
  body: PostBody,
  responses: { 201: { description: 'The post', schema: Post }, 422: { description: 'You have no club to post to' } },
});

export const likePost = /* @__PURE__ */ route({
  operationId: 'likePost',
  method: 'POST',
  path: '/api/social/posts/{id}/like',
  summary: 'Like a post of your club, once; liking it again answers the same',
  tags,
  auth: 'required',
  params: PostParams,
  responses: { 200: { description: 'The post, liked by you', schema: Post }, 404: { description: "No such post in your club's feed" } },
});

export const unlikePost = /* @__PURE__ */ route({
  operationId: 'unlikePost',
  method: 'DELETE',
  path: '/api/social/posts/{id}/like',
  summary: 'Take back your like of a post; again, or never liked, answers the same',
  tags,
  auth: 'required',
  params: PostParams,
  responses: { 200: { description: 'The post, not liked by you', schema: Post }, 404: { description: "No such post in your club's feed" } },
});

export const getFeed = /* @__PURE__ */ route({
  operationId: 'getFeed',
  method: 'GET',
  path: '/api/social/feed',
  summary: "Your club's timeline: fans' posts, upcoming matches and merchandise, ranked by likes against age; `?page` from 1 to 50",
  tags,
  auth: 'required',
  query: FeedQuery,
  responses: { 200: { description: 'A page of 20 items', schema: FeedPage } },
});

export const reportPost = /* @__PURE__ */ route({
  operationId: 'reportPost',
  method: 'POST',
  path: '/api/social/posts/{id}/report',
  summary: "Report a post of your club's feed for moderation, with your reason (once per post: reporting it again answers the same)",
  tags,
  auth: 'required',
  params: PostParams,
  body: ReportBody,
  responses: {
    200: { description: 'Your earlier report of this post', schema: PostReport },
    201: { description: "The report, in the club's moderation queue", schema: PostReport },
    404: { description: "No such post in your club's feed" },
    422: { description: 'Your own post' },
  },
});

export const removePost = /* @__PURE__ */ route({
  operationId: 'adminRemovePost',
  method: 'DELETE',
  path: '/api/admin/posts/{id}',
  summary: "Remove a post from the club's feed (moderator); its open reports are actioned",
  tags: ['admin'],
  auth: 'required',
  params: PostParams,
  responses: { 204: { description: 'Removed' }, 404: { description: 'No such post in the feed of a club you moderate' } },
});
